#pragma once
// Where a store may live. SQLite's write-ahead log (the store's journal mode) keeps its index
// in shared memory (the -shm file, mmap'ed by every connection), which network filesystems
// (NFS, Lustre, GPFS, CIFS...) where cluster users keep their files do not share between
// machines, and their locks are not reliable: a store there can be corrupted. So a store on
// one is refused with the reason and the way out (a node-local disk, then `harness merge`),
// unless the user asks for SQLite's rollback journal there (HARNESS_STORE_ON_NETWORK_FS=
// rollback-journal: one process at a time).
#include <optional>
#include <string>

namespace store {

// The name of the network filesystem with this statfs f_type, or nullopt for a local one.
std::optional<std::string> network_filesystem_name(unsigned long f_type);
// The network filesystem `path` (or, when it does not exist yet, its folder) lies on.
std::optional<std::string> network_filesystem_of(const std::string& path);

// The journal mode a store at `path` opens with: "WAL" on a local filesystem; on a network one
// "DELETE" when `opt_in` (the variable's value) is "rollback-journal", else a StoreError
// naming the filesystem and what to do.
std::string journal_mode_for(const std::string& path, const std::optional<std::string>& network_fs,
                             const char* opt_in);

}  // namespace store
