# cnats_expect_prefix(TARGET PREFIX) stops the configure step unless the
# cnats package and TARGET's library file both lie under PREFIX.
function(cnats_expect_prefix target prefix)
  get_filename_component(_prefix "${prefix}" REALPATH)
  get_filename_component(_dir "${cnats_DIR}" REALPATH)
  get_target_property(_location ${target} IMPORTED_LOCATION)
  get_filename_component(_location "${_location}" REALPATH)
  foreach(_path IN ITEMS "${_dir}" "${_location}")
    string(FIND "${_path}/" "${_prefix}/" _at)
    if(NOT _at EQUAL 0)
      message(FATAL_ERROR "find_package(cnats) picked ${_path}, which is outside "
                          "CNATS_EXPECTED_PREFIX=${_prefix}")
    endif()
  endforeach()
endfunction()
