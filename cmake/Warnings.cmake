# Every target of ours links moderation_warnings: warnings (and sanitizers when
# asked) are set in one place.
add_library(moderation_warnings INTERFACE)
target_compile_options(moderation_warnings INTERFACE -Wall -Wextra -Wpedantic -Wshadow
                                                     -Wnon-virtual-dtor -Werror=return-type)
if(MODERATION_WERROR)
  target_compile_options(moderation_warnings INTERFACE -Werror)
endif()

if(MODERATION_SANITIZE)
  set(_sanitize_flags -fsanitize=address,undefined -fno-sanitize-recover=undefined
                      -fno-omit-frame-pointer)
  target_compile_options(moderation_warnings INTERFACE ${_sanitize_flags})
  target_link_options(moderation_warnings INTERFACE ${_sanitize_flags})
endif()

# libFuzzer builds (clang): every object instrumented for the fuzzer and
# checked by ASan and UBSan; the fuzz targets add the fuzzer's main.
if(MODERATION_FUZZ)
  set(_fuzz_flags -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined
                  -fno-omit-frame-pointer)
  target_compile_options(moderation_warnings INTERFACE ${_fuzz_flags})
  target_link_options(moderation_warnings INTERFACE -fsanitize=address,undefined)
endif()

# Test code only: GCC 12, when it optimises, reports -Wrestrict and
# -Wmaybe-uninitialized inside libstdc++'s std::string for correct code (GCC
# bugs 105329 and 105651); tests assign strings into aggregates everywhere, so
# the two are off there in optimised builds. The shipped code keeps them.
add_library(moderation_test_warnings INTERFACE)
target_link_libraries(moderation_test_warnings INTERFACE moderation_warnings)
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
  target_compile_options(moderation_test_warnings INTERFACE
    $<$<NOT:$<CONFIG:Debug>>:-Wno-restrict -Wno-maybe-uninitialized>)
endif()
