# shoal_target_defaults(<target>): the warning set every Shoal target builds with.
# Warnings are errors for our own code (SHOAL_WERROR); third-party headers come in as SYSTEM.
function(shoal_target_defaults target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow -Wconversion
                         -Wno-sign-conversion -Wnon-virtual-dtor -Wold-style-cast)
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    # GCC 12 reports false "may be used uninitialized" inside std::variant's move constructor at
    # -O2 (GCC bugs 105562/107138), on code that provably initialises it.
    target_compile_options(${target} PRIVATE -Wno-maybe-uninitialized)
  endif()
  if(SHOAL_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()
