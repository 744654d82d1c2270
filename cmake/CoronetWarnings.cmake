# coronet_target_warnings(<target>): the project's warning set, plus -Werror
# when CORONET_WERROR is on (the presets the test command uses turn it on).
function(coronet_target_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra)
  if(CORONET_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()
