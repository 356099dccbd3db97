# Cross-compiling for 64-bit Windows with Debian's mingw-w64
# (gcc-mingw-w64-x86-64): cmake -DCMAKE_TOOLCHAIN_FILE=this-file.
# The posix flavour of the compiler brings winpthreads (pthread.h); the
# libraries mcpdiag needs (libpcap, cJSON) are cross-built into
# MCPD_WIN_PREFIX by platform/windows/build-deps.sh; zlib is Debian's own
# (libz-mingw-w64-dev). pkg-config looks in those two places only.
set(CMAKE_SYSTEM_NAME Windows)
set(CMAKE_SYSTEM_PROCESSOR x86_64)
set(MCPD_MINGW x86_64-w64-mingw32)

find_program(CMAKE_C_COMPILER NAMES ${MCPD_MINGW}-gcc-posix ${MCPD_MINGW}-gcc)
find_program(CMAKE_RC_COMPILER NAMES ${MCPD_MINGW}-windres)
set(CMAKE_FIND_ROOT_PATH /usr/${MCPD_MINGW})

if(MCPD_WIN_PREFIX)
  list(APPEND CMAKE_FIND_ROOT_PATH ${MCPD_WIN_PREFIX})
  set(ENV{PKG_CONFIG_LIBDIR}
      "${MCPD_WIN_PREFIX}/lib/pkgconfig:/usr/${MCPD_MINGW}/lib/pkgconfig")
  set(ENV{PKG_CONFIG_SYSROOT_DIR} "")
endif()
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
# Tests built for Windows run under wine on the build machine, through
# tests/win/wine-run.sh: the build tree's wine prefix (booted once, its
# server kept up), and the DLLs the tests import (libpcap's, libcurl's,
# winpthreads) found beside mcpdiag.exe at the top of the build tree.
find_program(MCPD_WINE NAMES wine64 wine)
get_filename_component(MCPD_WINE_RUN_SH
  ${CMAKE_CURRENT_LIST_DIR}/../tests/win/wine-run.sh ABSOLUTE)
if(MCPD_WINE)
  set(CMAKE_CROSSCOMPILING_EMULATOR env
      WINEPREFIX=${CMAKE_BINARY_DIR}/wineprefix
      WINEPATH=Z:${CMAKE_BINARY_DIR}
      sh ${MCPD_WINE_RUN_SH} --boot)
endif()
