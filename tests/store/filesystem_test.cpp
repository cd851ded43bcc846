// A store on a network filesystem (store/filesystem.hpp): refused with the reason and the way
// out, or opened with SQLite's rollback journal when the user asks for it.
#include "store/filesystem.hpp"

#include <catch2/catch.hpp>

#include "store/store.hpp"
#include "store/store_error.hpp"
#include "tests/support/temp_dir.hpp"

using namespace store;

TEST_CASE("filesystem: the network filesystems cluster users keep files on are known", "[store][fs]") {
  CHECK(network_filesystem_name(0x6969) == "NFS");
  CHECK(network_filesystem_name(0x0BD00BD0) == "Lustre");
  CHECK(network_filesystem_name(0x47504653) == "GPFS");
  CHECK(network_filesystem_name(0xFF534D42) == "CIFS");
  CHECK(network_filesystem_name(0x00C36400) == "CephFS");
  CHECK_FALSE(network_filesystem_name(0xEF53));      // ext4
  CHECK_FALSE(network_filesystem_name(0x58465342));  // XFS
  CHECK_FALSE(network_filesystem_name(0x01021994));  // tmpfs
  CHECK_FALSE(network_filesystem_name(0x9123683E));  // Btrfs
  CHECK_FALSE(network_filesystem_name(0x794C7630));  // overlayfs (containers)
}

TEST_CASE("filesystem: WAL on a local disk, a refusal naming the way out on a network one",
          "[store][fs]") {
  CHECK(journal_mode_for("/tmp/a.db", std::nullopt, nullptr) == "WAL");
  CHECK(journal_mode_for("/tmp/a.db", std::nullopt, "rollback-journal") == "WAL");
  CHECK_THROWS_WITH(journal_mode_for("/home/u/a.db", std::string("NFS"), nullptr),
                    Catch::StartsWith("/home/u/a.db: the store is on NFS, a network filesystem") &&
                        Catch::Contains("harness merge") &&
                        Catch::Contains("HARNESS_STORE_ON_NETWORK_FS=rollback-journal"));
  CHECK_THROWS_AS(journal_mode_for("/scratch/a.db", std::string("Lustre"), "yes"), StoreError);
  CHECK(journal_mode_for("/scratch/a.db", std::string("Lustre"), "rollback-journal") == "DELETE");
  // This machine's temporary folder is local: a store there opens in WAL mode.
  test_support::TempDir dir;
  std::string path = (dir.path() / "h.db").string();
  CHECK_FALSE(network_filesystem_of(path));
  // While it is open, WAL mode keeps its index beside the file.
  auto open = Store::open(path);
  CHECK((std::filesystem::exists(path + "-wal") || std::filesystem::exists(path + "-shm")));
}
