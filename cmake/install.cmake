# Installation: headers, the four libraries, a CMake package
# (find_package(studysearch CONFIG) -> studysearch::studysearch) and a pkg-config file.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

add_library(studysearch INTERFACE)
add_library(studysearch::studysearch ALIAS studysearch)
target_link_libraries(studysearch INTERFACE studysearch_query studysearch_indexer studysearch_format studysearch_corpus)

install(TARGETS studysearch studysearch_query studysearch_indexer studysearch_format studysearch_corpus
        EXPORT studysearchTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
        INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(DIRECTORY corpus/include/ indexer/include/ query/include/
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
        PATTERN "detail" EXCLUDE)
install(EXPORT studysearchTargets NAMESPACE studysearch::
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/studysearch)
configure_package_config_file(cmake/studysearchConfig.cmake.in
  ${CMAKE_CURRENT_BINARY_DIR}/studysearchConfig.cmake
  INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/studysearch)
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/studysearchConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/studysearchConfig.cmake
              ${CMAKE_CURRENT_BINARY_DIR}/studysearchConfigVersion.cmake
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/studysearch)
configure_file(cmake/studysearch.pc.in ${CMAKE_CURRENT_BINARY_DIR}/studysearch.pc @ONLY)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/studysearch.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
install(TARGETS studysearch_cli RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
