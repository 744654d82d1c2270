# How the shared library calls itself. Every await crosses several small
# functions of the library (the awaiter, the cancellation check, the driver);
# built as a plain shared object each of those calls goes through the PLT and
# none can be inlined, because the dynamic linker could swap any exported
# function for another program's. coronet does not support replacing its own
# functions, so:
#  * -fno-semantic-interposition lets the compiler inline and call directly
#    within one source file;
#  * -Bsymbolic-functions binds the library's calls to its own functions at
#    link time (data such as typeinfo stays shared, so exceptions and
#    dynamic_cast across the library boundary behave as before);
#  * link-time optimisation (optimised builds, g++, CORONET_LTO) inlines
#    across source files.
# Measured as bench/run.sh's callgrind step measures (instructions per
# request of the echo servers, 1 connection, epoll): stream 1,424 -> 1,227,
# Protocol 910 -> 807, BufferedProtocol 858 -> 779.
option(CORONET_LTO "Link-time optimisation of the library in optimised g++ builds" ON)

function(coronet_library_speed target)
  if(CMAKE_CXX_COMPILER_ID MATCHES "GNU|Clang")
    target_compile_options(${target} PRIVATE -fno-semantic-interposition)
    target_link_options(${target} PRIVATE LINKER:-Bsymbolic-functions)
  endif()
  # Sanitizer builds are for finding bugs, and clang's LTO needs a linker
  # plugin Debian installs separately: g++ release builds only.
  if(CORONET_LTO AND NOT CORONET_SANITIZER AND CMAKE_CXX_COMPILER_ID STREQUAL "GNU"
     AND CMAKE_BUILD_TYPE MATCHES "^(Release|RelWithDebInfo|MinSizeRel)$")
    include(CheckIPOSupported)
    check_ipo_supported(RESULT lto_supported OUTPUT lto_error LANGUAGES CXX)
    if(lto_supported)
      set_property(TARGET ${target} PROPERTY INTERPROCEDURAL_OPTIMIZATION ON)
    else()
      message(STATUS "coronet: link-time optimisation unavailable (${lto_error})")
    endif()
  endif()
endfunction()
