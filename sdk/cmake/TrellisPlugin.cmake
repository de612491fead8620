# trellis_add_plugin(<name> SOURCES <files...> [LIBRARIES <targets...>]
#                    [OUTPUT_DIRECTORY <dir>] [NO_INSTALL])
#
# Builds a Trellis plugin: a MODULE library named trellis_<name>.so with hidden
# symbol visibility (only the plugin's entry point is exported), linked to the
# SDK. The host discovers plugins by that file name in its search path.
include_guard(GLOBAL)

function(trellis_add_plugin name)
  cmake_parse_arguments(ARG "NO_INSTALL" "OUTPUT_DIRECTORY" "SOURCES;LIBRARIES" ${ARGN})
  if(NOT ARG_SOURCES)
    message(FATAL_ERROR "trellis_add_plugin(${name}): SOURCES is required")
  endif()
  set(target trellis_${name})
  add_library(${target} MODULE ${ARG_SOURCES})
  set_target_properties(${target} PROPERTIES
    PREFIX ""
    OUTPUT_NAME "trellis_${name}"
    CXX_STANDARD 17
    CXX_STANDARD_REQUIRED ON
    CXX_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON)
  if(TARGET TrellisSDK::trellis_sdk)
    target_link_libraries(${target} PRIVATE TrellisSDK::trellis_sdk ${ARG_LIBRARIES})
  else()
    target_link_libraries(${target} PRIVATE trellis_sdk ${ARG_LIBRARIES})
  endif()
  # Fail at link time, not at load time, when a symbol is missing.
  target_link_options(${target} PRIVATE -Wl,--no-undefined)
  set_property(GLOBAL APPEND PROPERTY TRELLIS_PLUGIN_TARGETS ${target})
  if(ARG_OUTPUT_DIRECTORY)
    set_target_properties(${target} PROPERTIES LIBRARY_OUTPUT_DIRECTORY "${ARG_OUTPUT_DIRECTORY}")
  elseif(DEFINED TRELLIS_PLUGIN_OUTPUT_DIR)
    set_target_properties(${target} PROPERTIES LIBRARY_OUTPUT_DIRECTORY "${TRELLIS_PLUGIN_OUTPUT_DIR}")
  endif()
  if(ARG_NO_INSTALL)
    return()
  endif()
  if(DEFINED TRELLIS_PLUGIN_SUBDIR)
    install(TARGETS ${target} LIBRARY DESTINATION ${TRELLIS_PLUGIN_SUBDIR})
  elseif(DEFINED TRELLIS_PLUGIN_INSTALL_DIR)
    install(TARGETS ${target} LIBRARY DESTINATION ${TRELLIS_PLUGIN_INSTALL_DIR})
  endif()
endfunction()
