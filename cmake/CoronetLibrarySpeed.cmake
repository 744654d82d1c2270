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

# The files every receive and send passes through, from the stream layer down
# to the epoll driver, compiled as one unit (CMake's unity build, for this
# group only). Each await crosses three awaiter layers, the runtime's task and
# cancellation checks and the driver, each in its own file, and a call between
# files is never inlined (link-time optimisation is out, see above). One unit
# lets the compiler inline across them. Callgrind, epoll echo servers,
# instructions per request: stream 1,187 -> 1,121, Protocol 824 -> 805,
# BufferedProtocol unchanged (775), stream on io_uring unchanged. Adding the
# asyncio socket transport's files made every server slower (stream 1,151,
# Protocol 816, BufferedProtocol 808): a larger unit changes what the
# inliner picks.
#
# What one unit costs: a file's file-local names (anonymous namespace,
# static) and includes are seen by the files after it. The same name and
# signature twice is a compile error; a different signature silently becomes
# an overload, and a local name can hide an outer one of the same name. So a
# file here must not lean on another's includes or helpers: the clang preset
# (CORONET_HOT_PATH_UNITY=OFF) compiles each one on its own, and CI builds it.
# compile_commands.json lists the combined file, not these nine.
option(CORONET_HOT_PATH_UNITY "Compile the I/O hot path's sources as one unit" ON)
function(coronet_hot_path_unity target)
  if(NOT CORONET_HOT_PATH_UNITY)
    return()
  endif()
  set(hot_path
    ${PROJECT_SOURCE_DIR}/src/stream/socket_stream.cpp
    ${PROJECT_SOURCE_DIR}/src/net/socket_awaiters.cpp
    ${PROJECT_SOURCE_DIR}/src/net/socket.cpp
    ${PROJECT_SOURCE_DIR}/src/net/lent_bytes.cpp
    ${PROJECT_SOURCE_DIR}/src/runtime/operation_awaiter.cpp
    ${PROJECT_SOURCE_DIR}/src/runtime/cancel_scope.cpp
    ${PROJECT_SOURCE_DIR}/src/runtime/loop.cpp
    ${PROJECT_SOURCE_DIR}/src/backend/epoll_driver.cpp
    ${PROJECT_SOURCE_DIR}/src/backend/syscall_ops.cpp)
  foreach(file IN LISTS hot_path)
    if(NOT EXISTS ${file})
      message(FATAL_ERROR "coronet_hot_path_unity: ${file} does not exist (renamed? update the list)")
    endif()
  endforeach()
  set_source_files_properties(${hot_path} TARGET_DIRECTORY ${target}
    PROPERTIES UNITY_GROUP hot_path)
  set_target_properties(${target} PROPERTIES UNITY_BUILD ON UNITY_BUILD_MODE GROUP)
endfunction()
