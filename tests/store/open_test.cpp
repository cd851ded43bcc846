// Store::open's modes (create, existing) and what it says when the filesystem refuses a path;
// file_sha256, the input hash a run records.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>
#include <string>

#include "fixtures.hpp"
#include "store/database.hpp"
#include "store/input_hash.hpp"
#include "store/migrations.hpp"
#include "store/store.hpp"

namespace fs = std::filesystem;
using Catch::Matchers::Contains;
using store_test::RawDb;
using store_test::TempDir;

namespace {

constexpr std::string_view kPurpose =
    "harness metrics reads an existing store; create one with score or search";

// What Store::open(path, mode) says: "opened", or the StoreError's message.
std::string open_result(const std::string& path, store::OpenMode mode = store::OpenMode::create) {
  try {
    store::Store::open(path, mode, kPurpose);
    return "opened";
  } catch (const store::StoreError& e) {
    return e.what();
  }
}

// Runs `body` in a child process after `setup` (both in the child) and returns what `body`
// returned; nullopt when `setup` failed (e.g. no mount namespace here).
std::optional<std::string> in_child(const std::function<bool()>& setup,
                                    const std::function<std::string()>& body) {
  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    ::close(fds[0]);
    if (!setup()) ::_exit(77);
    std::string out = body();
    ssize_t written = ::write(fds[1], out.data(), out.size());
    ::_exit(written == static_cast<ssize_t>(out.size()) ? 0 : 1);
  }
  ::close(fds[1]);
  std::string out;
  char buffer[4096];
  for (ssize_t n; (n = ::read(fds[0], buffer, sizeof buffer)) > 0;) out.append(buffer, n);
  ::close(fds[0]);
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  REQUIRE(WIFEXITED(status));
  if (WEXITSTATUS(status) == 77) return std::nullopt;
  REQUIRE(WEXITSTATUS(status) == 0);
  return out;
}

bool write_file(const char* path, const std::string& text) {
  int fd = ::open(path, O_WRONLY);
  if (fd < 0) return false;
  bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  ::close(fd);
  return ok;
}

// In the calling (child) process: a private mount namespace in which `folder` is a read-only
// bind mount of itself. As root directly; otherwise inside a user namespace.
bool make_read_only(const std::string& folder) {
  if (::unshare(CLONE_NEWNS) != 0) {
    uid_t uid = ::getuid();
    gid_t gid = ::getgid();
    if (::unshare(CLONE_NEWUSER | CLONE_NEWNS) != 0) return false;
    if (!write_file("/proc/self/setgroups", "deny") ||
        !write_file("/proc/self/uid_map", "0 " + std::to_string(uid) + " 1") ||
        !write_file("/proc/self/gid_map", "0 " + std::to_string(gid) + " 1")) {
      return false;
    }
  }
  return ::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) == 0 &&
         ::mount(folder.c_str(), folder.c_str(), nullptr, MS_BIND, nullptr) == 0 &&
         ::mount(nullptr, folder.c_str(), nullptr, MS_REMOUNT | MS_BIND | MS_RDONLY, nullptr) ==
             0;
}

}  // namespace

TEST_CASE("OpenMode::existing refuses a path where no store exists, and creates nothing",
          "[store]") {
  TempDir dir;
  auto path = dir.file("typo.db");
  CHECK(open_result(path, store::OpenMode::existing) ==
        path + ": no such store (harness metrics reads an existing store; create one with "
               "score or search)");
  CHECK_FALSE(fs::exists(path));
  CHECK(fs::is_empty(dir.path()));

  auto in_missing_folder = dir.file("no-folder/h.db");
  CHECK(open_result(in_missing_folder, store::OpenMode::existing) ==
        in_missing_folder + ": no such store (" + std::string(kPurpose) + ")");
  CHECK_FALSE(fs::exists(dir.file("no-folder")));
}

TEST_CASE("OpenMode::existing refuses an empty file or another database, untouched", "[store]") {
  TempDir dir;
  auto empty = dir.write("empty.db", "");
  CHECK(open_result(empty, store::OpenMode::existing) ==
        empty + ": no such store: the file holds no harness schema (" + std::string(kPurpose) +
            ")");
  CHECK(fs::file_size(empty) == 0);

  auto other = dir.file("other.db");
  RawDb(other).exec("CREATE TABLE notes (text TEXT)");
  CHECK_THAT(open_result(other, store::OpenMode::existing),
             Contains("no such store: the file holds no harness schema"));
  CHECK(RawDb(other).query_int("SELECT count(*) FROM sqlite_schema WHERE name = 'runs'") == 0);
}

TEST_CASE("OpenMode::existing opens a store that exists, as create does", "[store]") {
  TempDir dir;
  auto path = dir.file("h.db");
  int64_t run_id = 0;
  {
    auto db = store::Store::open(path);  // the default mode creates it
    run_id = db.begin_run(store_test::sample_run_info());
  }
  auto db = store::Store::open(path, store::OpenMode::existing, kPurpose);
  CHECK(db.run(run_id).has_value());
  CHECK(db.path() == path);
}

TEST_CASE("a missing folder is named as such", "[store]") {
  TempDir dir;
  auto folder = dir.file("missing-dir");
  auto path = folder + "/harness.db";
  CHECK(open_result(path) ==
        path + ": open: unable to open database file (no such folder " + folder + ")");
  CHECK(store::write_obstacle(path) == "no such folder " + folder);
}

TEST_CASE("write_obstacle names what keeps a path from being written", "[store]") {
  TempDir dir;
  CHECK(store::write_obstacle(dir.file("new.db")).empty());
  auto file = dir.write("plain", "x");
  CHECK(store::write_obstacle(file).empty());
  CHECK(store::write_obstacle(file + "/h.db") == file + " is not a folder");
  fs::create_directory(dir.file("sub"));
  CHECK(store::write_obstacle(dir.file("sub")) == dir.file("sub") + " is a folder");
  CHECK(store::write_obstacle(dir.file("a/b/h.db")) == "no such folder " + dir.file("a/b"));
  CHECK_THAT(open_result(dir.file("sub")), Contains(dir.file("sub") + " is a folder"));
}

TEST_CASE("a read-only file system is reported as such, for a new and an existing store",
          "[store]") {
  TempDir dir;
  auto folder = dir.file("ro");
  fs::create_directory(folder);
  auto existing = folder + "/existing.db";
  { auto db = store::Store::open(existing); }
  auto fresh = folder + "/new.db";

  auto said = in_child([&] { return make_read_only(folder); },
                       [&] { return open_result(fresh) + "\n" + open_result(existing); });
  if (!said) {
    WARN("no mount namespace here: the read-only case is not exercised");
    return;
  }
  CHECK(*said == fresh + ": open: unable to open database file (cannot create files in " +
                     folder + ": Read-only file system)\n" + existing +
                     ": open: the file can only be opened read-only (cannot write " + existing +
                     ": Read-only file system)");
  CHECK_FALSE(fs::exists(fresh));
}

TEST_CASE("a folder the user may not write to is reported as a permission", "[store]") {
  TempDir dir;
  fs::permissions(dir.path(), fs::perms::owner_all | fs::perms::group_read |
                                  fs::perms::group_exec | fs::perms::others_read |
                                  fs::perms::others_exec);
  auto folder = dir.file("locked");
  fs::create_directory(folder);
  fs::permissions(folder, fs::perms::owner_read | fs::perms::owner_exec | fs::perms::group_read |
                              fs::perms::group_exec | fs::perms::others_read |
                              fs::perms::others_exec);
  auto path = folder + "/h.db";
  // Root may write anywhere: the child drops to an unprivileged user first.
  auto said = in_child(
      [] { return ::getuid() != 0 || (::setgid(65534) == 0 && ::setuid(65534) == 0); },
      [&] { return open_result(path); });
  REQUIRE(said);
  CHECK(*said == path + ": open: unable to open database file (cannot create files in " + folder +
                     ": Permission denied)");
}

TEST_CASE("file_sha256 hashes a file's bytes in chunks", "[store]") {
  TempDir dir;
  CHECK(store::file_sha256(dir.write("abc", "abc")) ==
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(store::file_sha256(dir.write("empty", "")) ==
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  // A million 'a' (FIPS 180-2), more than one chunk.
  CHECK(store::file_sha256(dir.write("million", std::string(1'000'000, 'a'))) ==
        "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
  auto missing = dir.file("missing.jsonl");
  CHECK_THROWS_WITH(store::file_sha256(missing),
                    missing + ": hash input: No such file or directory");
}

TEST_CASE("a run row holds its input's path as given and the file's SHA-256", "[store]") {
  TempDir dir;
  auto input = dir.write("candidates.jsonl", "{\"name\":\"t\"}\n");
  auto db = store::Store::open(dir.file("h.db"));
  auto info = store_test::sample_run_info();
  info.input_path = "candidates.jsonl";  // relative, as the command line gave it
  info.input_sha256 = store::file_sha256(input);
  auto row = db.run(db.begin_run(info));
  REQUIRE(row);
  CHECK(row->input_path == "candidates.jsonl");
  CHECK(row->input_sha256 == "0dfe33d80bf4cba484a330f5983b29ea707d5d6670937aa761df95c54bb76304");
}
