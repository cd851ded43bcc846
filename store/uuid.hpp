#pragma once
// Internal to the store library: identities for runs.
#include <string>

namespace store {

// A random (version 4) UUID in canonical form, "xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx",
// drawn from std::random_device (the kernel's random source on Linux).
std::string random_uuid();

}  // namespace store
