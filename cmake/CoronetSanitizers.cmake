# Applies CORONET_SANITIZER (e.g. "address,undefined" or "thread") to every
# target of the project: library, tests, examples and benchmarks must agree.
if(CORONET_SANITIZER)
  add_compile_options(-fsanitize=${CORONET_SANITIZER} -fno-omit-frame-pointer)
  add_link_options(-fsanitize=${CORONET_SANITIZER})
  if(CORONET_SANITIZER MATCHES "undefined")
    # A UB report fails the test instead of scrolling past.
    add_compile_options(-fno-sanitize-recover=undefined)
  endif()
  if(CORONET_SANITIZER MATCHES "fuzzer" AND CORONET_SANITIZER MATCHES "undefined")
    # clang 14 cannot emit coroutine code that has both the fuzzer's coverage
    # and UBSan's function-type check ("Cannot represent a difference across
    # sections"); that one check goes, the rest of UBSan stays.
    add_compile_options(-fno-sanitize=function)
  endif()
endif()
