# Find libnet (packet construction). Debian's libnet 1.1.6 ships no
# pkg-config file, only libnet-config, so ask it first and fall back to a
# plain header and library search.
#
# Defines the imported target Libnet::Libnet and LIBNET_FOUND.

find_program(LIBNET_CONFIG libnet-config)
if(LIBNET_CONFIG)
  execute_process(COMMAND ${LIBNET_CONFIG} --cflags
                  OUTPUT_VARIABLE _libnet_cflags
                  OUTPUT_STRIP_TRAILING_WHITESPACE)
  execute_process(COMMAND ${LIBNET_CONFIG} --defines
                  OUTPUT_VARIABLE _libnet_defines
                  OUTPUT_STRIP_TRAILING_WHITESPACE)
endif()

find_path(LIBNET_INCLUDE_DIR libnet.h)
find_library(LIBNET_LIBRARY net)

include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(Libnet
  REQUIRED_VARS LIBNET_LIBRARY LIBNET_INCLUDE_DIR)

if(LIBNET_FOUND AND NOT TARGET Libnet::Libnet)
  add_library(Libnet::Libnet UNKNOWN IMPORTED)
  set_target_properties(Libnet::Libnet PROPERTIES
    IMPORTED_LOCATION "${LIBNET_LIBRARY}"
    INTERFACE_INCLUDE_DIRECTORIES "${LIBNET_INCLUDE_DIR}")
  if(_libnet_defines)
    separate_arguments(_libnet_def_list UNIX_COMMAND "${_libnet_defines}")
    set_property(TARGET Libnet::Libnet PROPERTY
      INTERFACE_COMPILE_OPTIONS ${_libnet_def_list})
  endif()
endif()
mark_as_advanced(LIBNET_INCLUDE_DIR LIBNET_LIBRARY LIBNET_CONFIG)
