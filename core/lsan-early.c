/* In sanitizer builds: what libraries allocate in their constructors,
 * before the program's own start, is not checked for leaks.
 *
 * GLib's constructor allocates the first block of its quark table, and
 * GLib abandons that block on purpose when the table grows past 2048
 * quarks (lock-free readers may still use it) — which GStreamer's element
 * classes make it do. The block's stack has no frame LeakSanitizer can
 * name (GLib has no frame pointers), so no suppression can match it.
 * Leak checking is turned off before any constructor runs (preinit) and
 * on again from this program's constructor, which runs after those of
 * the libraries. Everything the program and its plugins allocate later
 * is checked as before. Linked whole into omniccd and the test programs. */
#if defined(__SANITIZE_ADDRESS__)
#define OCC_LSAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define OCC_LSAN 1
#endif
#endif

#ifdef OCC_LSAN
#include <sanitizer/lsan_interface.h>

static void
lsan_off (void)
{
  __lsan_disable ();
}
__attribute__ ((section (".preinit_array"), used)) static void (*const occ_lsan_early) (void)
    = lsan_off;

__attribute__ ((constructor)) static void
lsan_on (void)
{
  __lsan_enable ();
}
#else
/* (an object file must not be empty) */
typedef int occ_lsan_early_unused;
#endif
