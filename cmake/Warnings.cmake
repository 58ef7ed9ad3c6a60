# Every target of ours links moderation_warnings: warnings (and sanitizers when
# asked) are set in one place.
add_library(moderation_warnings INTERFACE)
target_compile_options(moderation_warnings INTERFACE -Wall -Wextra -Wpedantic -Wshadow
                                                     -Wnon-virtual-dtor -Werror=return-type)

if(MODERATION_SANITIZE)
  set(_sanitize_flags -fsanitize=address,undefined -fno-sanitize-recover=undefined
                      -fno-omit-frame-pointer)
  target_compile_options(moderation_warnings INTERFACE ${_sanitize_flags})
  target_link_options(moderation_warnings INTERFACE ${_sanitize_flags})
endif()
