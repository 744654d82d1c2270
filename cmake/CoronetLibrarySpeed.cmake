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
#    dynamic_cast across the library boundary behave as before).
# Measured as bench/run.sh's callgrind step measures (instructions per
# request of the echo servers, 1 connection, epoll): stream 1,424 -> 1,303,
# Protocol 910 -> 864, BufferedProtocol 858 -> 810.
#
# Link-time optimisation would take stream to 1,227 and Protocol to 807, but
# g++ 12 names the temporaries in a coroutine's frame per source file, so the
# LTO link reports the frames of templates such as CancelScope::run that
# several files instantiate as One Definition Rule violations (GCC bug
# 101118). Not enabled until that is clean.
function(coronet_library_speed target)
  if(CMAKE_CXX_COMPILER_ID MATCHES "GNU|Clang")
    target_compile_options(${target} PRIVATE -fno-semantic-interposition)
    target_link_options(${target} PRIVATE LINKER:-Bsymbolic-functions)
  endif()
endfunction()
