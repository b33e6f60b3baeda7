/* Runs a fuzz target over its seed corpus (the files named on the command
 * line, or every file in the folders named), as an ordinary test: the
 * corpus then guards against regressions in every build, clang or not. */
#include <glib.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);
int LLVMFuzzerInitialize (int *argc, char ***argv);

static void
run_file (const char *path, guint *count)
{
  g_autofree char *data = NULL;
  gsize len = 0;
  if (!g_file_get_contents (path, &data, &len, NULL))
    g_error ("cannot read %s", path);
  LLVMFuzzerTestOneInput ((const uint8_t *) data, len);
  (*count)++;
}

int
main (int argc, char **argv)
{
  guint count = 0;
  LLVMFuzzerInitialize (&argc, &argv);
  g_print ("1..1\n");
  for (int i = 1; i < argc; i++)
    {
      if (!g_file_test (argv[i], G_FILE_TEST_IS_DIR))
        {
          run_file (argv[i], &count);
          continue;
        }
      g_autoptr (GDir) d = g_dir_open (argv[i], 0, NULL);
      const char *n;
      while (d && (n = g_dir_read_name (d)) != NULL)
        {
          g_autofree char *path = g_build_filename (argv[i], n, NULL);
          run_file (path, &count);
        }
    }
  if (count == 0)
    {
      g_print ("not ok 1 - no corpus files\n");
      return 1;
    }
  g_print ("ok 1 - %u corpus inputs\n", count);
  return 0;
}
