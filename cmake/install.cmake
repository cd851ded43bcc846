# `cmake --install BUILD [--prefix P]` and `cpack -G DEB` (README, "Install"). Installed:
#   bin/harness                                 the one binary (no tests, benches or REPL double)
#   share/harness/workspace/                    the Lean workspace template: lakefile.toml,
#                                               lean-toolchain and the core task set (tasks/core)
#   share/harness/workspaces/mathlib/           the Mathlib workspace template
#   share/doc/lean-harness/                     README.md, ARCHITECTURE.md, docs/
# The guard's rules, the canaries, the tactic vocabularies and the prompt templates are
# compiled into the binary: nothing else is read at run time. An installed harness finds its
# share/harness relative to its own path (harness/workspace.cpp), so a moved prefix still works.
set(HARNESS_DATA_DIR "${CMAKE_INSTALL_DATADIR}/harness")

install(TARGETS harness RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})

set(workspace "${HARNESS_DATA_DIR}/workspace")
install(FILES lakefile.toml lean-toolchain DESTINATION ${workspace})
if(EXISTS "${PROJECT_SOURCE_DIR}/lake-manifest.json")
  install(FILES lake-manifest.json DESTINATION ${workspace})
endif()
install(FILES tasks/core/core_tasks.jsonl tasks/core/HarnessTasks.lean tasks/core/README.md
              tasks/core/generate_lean.py
        DESTINATION ${workspace}/tasks/core)
install(FILES workspaces/mathlib/lakefile.toml workspaces/mathlib/lean-toolchain
              workspaces/mathlib/README.md
        DESTINATION ${HARNESS_DATA_DIR}/workspaces/mathlib)

install(FILES README.md ARCHITECTURE.md DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(DIRECTORY docs/ DESTINATION ${CMAKE_INSTALL_DOCDIR}/docs)

# The Debian package. Depends: the shared libraries the binary links, by dpkg-shlibdeps
# (dpkg-dev). Recommends: bubblewrap, the workers' sandbox (/usr/bin/bwrap), and elan, which
# installs the Lean toolchain that lean-toolchain pins.
set(HARNESS_DEB_MAINTAINER "lean-harness maintainers <maintainers@lean-harness.invalid>"
    CACHE STRING "The Maintainer field of the .deb")
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME lean-harness)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "${HARNESS_DEB_MAINTAINER}")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "verify Lean 4 proofs at scale and turn verdicts into rewards")
set(CPACK_PACKAGE_DESCRIPTION
    "harness checks candidate proofs of Lean 4 theorems through a pool of Lean REPL processes \
in a sandbox, turns each verdict into a verifiable reward, and records everything in SQLite. \
It scores proof files, runs proof search and RL, serves rewards over HTTP (Kimina Lean Server, \
OpenRLHF, verl) and checks proof corpora in CI. The Lean toolchain comes from elan.")
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION math)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "bubblewrap, elan")
include(CPack)
