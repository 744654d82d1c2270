# cmake -DBINARY_DIR=<build> -DCONSUMER_DIR=<dir> -DPREFIX=<dir> -P install.cmake
# Installs the build into a fresh prefix (everything under CONSUMER_DIR is
# removed first, so the consumer checks never see a stale install).
foreach(var BINARY_DIR CONSUMER_DIR PREFIX)
  if(NOT ${var})
    message(FATAL_ERROR "${var} is required")
  endif()
endforeach()
file(REMOVE_RECURSE ${CONSUMER_DIR})
execute_process(COMMAND ${CMAKE_COMMAND} --install ${BINARY_DIR} --prefix ${PREFIX}
  RESULT_VARIABLE result)
if(NOT result EQUAL 0)
  message(FATAL_ERROR "cmake --install failed: ${result}")
endif()
foreach(file
    include/coronet/version.hpp
    include/coronet/base/bytes.hpp)
  if(NOT EXISTS ${PREFIX}/${file})
    message(FATAL_ERROR "not installed: ${file}")
  endif()
endforeach()
file(GLOB_RECURSE configs ${PREFIX}/*/coronetConfig.cmake ${PREFIX}/*/coronetConfigVersion.cmake
     ${PREFIX}/*/coronetTargets.cmake ${PREFIX}/*/coronet.pc ${PREFIX}/*/libcoronet.so)
list(LENGTH configs n)
if(NOT n EQUAL 5)
  message(FATAL_ERROR "expected config, version, targets, .pc and .so in ${PREFIX}, found: ${configs}")
endif()
