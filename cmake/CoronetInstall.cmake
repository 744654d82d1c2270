# Installs headers, the shared library, the CMake package (coronet::coronet)
# and a relocatable pkg-config file.
include(CMakePackageConfigHelpers)

set(CORONET_CMAKE_INSTALL_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/coronet)

install(TARGETS coronet
  EXPORT coronetTargets
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})

install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/coronet
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
  FILES_MATCHING PATTERN "*.hpp")
install(FILES ${CORONET_GENERATED_INCLUDE_DIR}/coronet/version.hpp
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/coronet)

install(EXPORT coronetTargets
  NAMESPACE coronet::
  FILE coronetTargets.cmake
  DESTINATION ${CORONET_CMAKE_INSTALL_DIR})

configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/coronetConfig.cmake.in
  ${PROJECT_BINARY_DIR}/coronetConfig.cmake
  INSTALL_DESTINATION ${CORONET_CMAKE_INSTALL_DIR})
# Before 1.0 a minor release may break the API, so only the same MAJOR.MINOR is
# compatible.
if(PROJECT_VERSION_MAJOR EQUAL 0)
  set(_coronet_compat SameMinorVersion)
else()
  set(_coronet_compat SameMajorVersion)
endif()
write_basic_package_version_file(${PROJECT_BINARY_DIR}/coronetConfigVersion.cmake
  VERSION ${PROJECT_VERSION}
  COMPATIBILITY ${_coronet_compat})
install(FILES
    ${PROJECT_BINARY_DIR}/coronetConfig.cmake
    ${PROJECT_BINARY_DIR}/coronetConfigVersion.cmake
  DESTINATION ${CORONET_CMAKE_INSTALL_DIR})

# The .pc file finds its prefix relative to itself, so an install moved with
# `cmake --install --prefix` (or DESTDIR) still works.
file(RELATIVE_PATH CORONET_PC_RELATIVE_PREFIX
  /prefix/${CMAKE_INSTALL_LIBDIR}/pkgconfig /prefix)
string(REGEX REPLACE "/$" "" CORONET_PC_RELATIVE_PREFIX "${CORONET_PC_RELATIVE_PREFIX}")
configure_file(${PROJECT_SOURCE_DIR}/cmake/coronet.pc.in ${PROJECT_BINARY_DIR}/coronet.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/coronet.pc
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
