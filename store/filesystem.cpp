#include "store/filesystem.hpp"

#include <sys/vfs.h>

#include <filesystem>

#include <fmt/format.h>

#include "store/store_error.hpp"

namespace store {

std::optional<std::string> network_filesystem_name(unsigned long f_type) {
  switch (f_type) {
    case 0x6969: return "NFS";
    case 0x0BD00BD0: return "Lustre";
    case 0x47504653: return "GPFS";
    case 0xFF534D42: return "CIFS";
    case 0xFE534D42: return "SMB2";
    case 0x517B: return "SMB";
    case 0x00C36400: return "CephFS";
    case 0x19830326: return "BeeGFS";
    case 0x013111A8: return "IBRIX";
    case 0x564C: return "NCP";
    case 0x6B414653: return "AFS";
    case 0x65735546: return "FUSE (sshfs, s3fs, gcsfuse and the like)";
    default: return std::nullopt;
  }
}

std::optional<std::string> network_filesystem_of(const std::string& path) {
  std::error_code ec;
  std::filesystem::path at(path);
  if (!std::filesystem::exists(at, ec)) at = at.has_parent_path() ? at.parent_path() : ".";
  struct statfs info {};
  if (::statfs(at.c_str(), &info) != 0) return std::nullopt;  // the open says what is wrong
  return network_filesystem_name(static_cast<unsigned long>(info.f_type));
}

std::string journal_mode_for(const std::string& path, const std::optional<std::string>& network_fs,
                             const char* opt_in) {
  if (!network_fs) return "WAL";
  if (opt_in != nullptr && std::string(opt_in) == "rollback-journal") return "DELETE";
  throw StoreError(fmt::format(
      "{}: the store is on {}, a network filesystem: SQLite's write-ahead log needs shared "
      "memory and locks it does not give, and the store could be corrupted. Keep each store on "
      "a node-local disk (such as /tmp, $TMPDIR or $SLURM_TMPDIR) and bring them together with "
      "`harness merge`; or set HARNESS_STORE_ON_NETWORK_FS=rollback-journal to use SQLite's "
      "rollback journal there, one process at a time",
      path, *network_fs));
}

}  // namespace store
