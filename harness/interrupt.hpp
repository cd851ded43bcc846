#pragma once
// SIGINT/SIGTERM end a run cleanly: what is finished is written, the run is marked
// interrupted. A second signal ends the process at once.
namespace harness {

void install_interrupt_handlers();
bool interrupt_requested();

}  // namespace harness
