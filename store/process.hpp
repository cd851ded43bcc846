#pragma once
// Which process runs a run, and whether that process is still there: what lets a later command
// mark a run `abandoned` when the process that ran it was killed without finishing it. Linux
// only (/proc); elsewhere every process reads as unknown and no run is ever abandoned.
#include <string>

#include "store/records.hpp"

namespace store {

// The calling process: its pid, start time, boot id and pid namespace (records.hpp). A field
// that cannot be read is 0 or "".
ProcessIdentity this_process();

enum class ProcessState {
  alive,    // that very process is still there
  gone,     // it is not: no such pid, a zombie, a later process with the pid, or another boot
  unknown,  // it cannot be told from here (another pid namespace, /proc hidden, no boot id)
};

// The state of `process`, looked up on this machine (the caller knows it ran here).
ProcessState process_state(const ProcessIdentity& process);

}  // namespace store
