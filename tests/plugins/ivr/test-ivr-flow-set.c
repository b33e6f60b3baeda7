/* The IVR's set of flows (plugins/ivr/flow-set.c) over real folders: a
 * site folder before the share folder, a changed file picked up, a broken
 * change keeping the version before it (and reported once), a reference
 * taken before a reload still usable, an untouched rewrite not reloaded,
 * a removed file gone. */
#include "flow.h"
#include "ivr-fixture.h"
#include "testlib.h"

#include <glib/gstdio.h>

typedef struct {
  char *top, *site, *share;
  IvrFlowSet *set;
} Fixture;

static const IvrFlowCheck common = { test_common_prompt_exists, NULL };

/* A valid flow whose description is @desc (a different length gives a
 * different size, a different text the same size). */
static void
write_flow (const char *dir, const char *name, const char *desc)
{
  g_autofree char *text = g_strdup_printf ("[flow]\nstart = hello\nlanguage = fr\n"
                                           "description = %s\n"
                                           "[hello]\nkind = end\nprompt = welcome\n",
                                           desc);
  g_autofree char *file = g_strconcat (name, ".flow", NULL);
  occ_test_write (dir, file, text);
}

static void
remove_file (const char *dir, const char *file)
{
  g_autofree char *path = g_build_filename (dir, file, NULL);
  g_assert_cmpint (g_unlink (path), ==, 0);
}

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  (void) data;
  f->top = occ_test_mkdtemp ();
  f->site = g_build_filename (f->top, "site", NULL);
  f->share = g_build_filename (f->top, "share", NULL);
  g_assert_cmpint (g_mkdir (f->site, 0700), ==, 0);
  g_assert_cmpint (g_mkdir (f->share, 0700), ==, 0);
  const char *dirs[] = { f->site, f->share, NULL };
  f->set = ivr_flow_set_new (dirs, &common);
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  (void) data;
  ivr_flow_set_free (f->set);
  occ_test_rmtree (f->top);
  g_free (f->top);
  g_free (f->site);
  g_free (f->share);
}

/* Reloads and expects no problem. */
static void
reload_clean (Fixture *f)
{
  g_autoptr (GPtrArray) problems = ivr_flow_set_reload (f->set);
  for (guint i = 0; i < problems->len; i++)
    {
      IvrFlowProblem *p = g_ptr_array_index (problems, i);
      g_error ("%s: %s", p->path, p->error->message);
    }
}

/* The flow @name is there and is the version described as @want. */
static void
assert_version (Fixture *f, const char *name, const char *want)
{
  g_autoptr (IvrFlow) flow = ivr_flow_set_lookup (f->set, name);
  g_assert_nonnull (flow);
  g_assert_cmpstr (ivr_flow_get_description (flow), ==, want);
}

static void
assert_names (Fixture *f, const char *want)
{
  g_auto (GStrv) names = ivr_flow_set_get_names (f->set);
  g_autofree char *joined = g_strjoinv (" ", names);
  g_assert_cmpstr (joined, ==, want);
}

static void
test_loads_folders (Fixture *f, gconstpointer data)
{
  (void) data;
  write_flow (f->share, "demo", "from share");
  write_flow (f->share, "survey", "survey from share");
  write_flow (f->site, "demo", "from site");
  occ_test_write (f->share, "notes.txt", "not a flow");
  g_assert_null (ivr_flow_set_lookup (f->set, "demo")); /* nothing until a reload */
  reload_clean (f);
  assert_names (f, "demo survey");
  assert_version (f, "demo", "from site");
  g_assert_null (ivr_flow_set_lookup (f->set, "notes"));

  /* the site's file removed, the share's is used */
  remove_file (f->site, "demo.flow");
  reload_clean (f);
  assert_version (f, "demo", "from share");
}

static void
test_reloads_changes (Fixture *f, gconstpointer data)
{
  (void) data;
  write_flow (f->site, "demo", "version one");
  reload_clean (f);
  g_autoptr (IvrFlow) first = ivr_flow_set_lookup (f->set, "demo");

  /* same size, other bytes, written right after: the hash sees it */
  write_flow (f->site, "demo", "version two");
  reload_clean (f);
  assert_version (f, "demo", "version two");
  /* the call that began with version one still has it, whole */
  g_assert_cmpstr (ivr_flow_get_description (first), ==, "version one");
  g_assert_cmpstr (ivr_flow_get_start (first)->u.end.prompt.items[0].name, ==, "welcome");

  /* the same bytes written again: the flow is not replaced */
  g_autoptr (IvrFlow) before = ivr_flow_set_lookup (f->set, "demo");
  write_flow (f->site, "demo", "version two");
  reload_clean (f);
  g_autoptr (IvrFlow) same = ivr_flow_set_lookup (f->set, "demo");
  g_assert_true (same == before);
}

static void
test_broken_change_keeps_old (Fixture *f, gconstpointer data)
{
  (void) data;
  write_flow (f->site, "demo", "good");
  reload_clean (f);
  g_autoptr (IvrFlow) good = ivr_flow_set_lookup (f->set, "demo");

  occ_test_write (f->site, "demo.flow",
                  "[flow]\nstart = hello\n[hello]\nkind = menu\nprompt = welcome\n"
                  "choices = 4:nowhere\non-failure = hello\n");
  occ_test_write (f->site, "new.flow", "[flow]\nstart = x\n");
  g_autoptr (GPtrArray) problems = ivr_flow_set_reload (f->set);
  g_assert_cmpuint (problems->len, ==, 2);
  for (guint i = 0; i < problems->len; i++)
    {
      IvrFlowProblem *p = g_ptr_array_index (problems, i);
      g_autofree char *base = g_path_get_basename (p->path);
      if (strcmp (base, "demo.flow") == 0)
        g_assert_cmpstr (p->error->message, ==,
                         "demo.flow: node \"hello\": choice 4 goes to \"nowhere\", which is not "
                         "a node");
      else
        g_assert_cmpstr (p->error->message, ==,
                         "new.flow: [flow]: start goes to \"x\", which is not a node");
    }
  /* the version before stays; a flow that never loaded is not there */
  g_autoptr (IvrFlow) still = ivr_flow_set_lookup (f->set, "demo");
  g_assert_true (still == good);
  g_assert_null (ivr_flow_set_lookup (f->set, "new"));
  assert_names (f, "demo");

  /* not reported again while the files stay as they are */
  g_autoptr (GPtrArray) again = ivr_flow_set_reload (f->set);
  g_assert_cmpuint (again->len, ==, 0);

  /* fixed, it loads */
  write_flow (f->site, "demo", "fixed");
  reload_clean (f);
  assert_version (f, "demo", "fixed");
}

static void
test_removed_file_gone (Fixture *f, gconstpointer data)
{
  (void) data;
  write_flow (f->share, "demo", "demo");
  write_flow (f->share, "survey", "survey");
  reload_clean (f);
  g_autoptr (IvrFlow) held = ivr_flow_set_lookup (f->set, "survey");
  remove_file (f->share, "survey.flow");
  reload_clean (f);
  g_assert_null (ivr_flow_set_lookup (f->set, "survey"));
  assert_names (f, "demo");
  g_assert_cmpstr (ivr_flow_get_name (held), ==, "survey");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/ivr/flow-set/site-before-share", Fixture, NULL, fixture_set_up, test_loads_folders,
              fixture_tear_down);
  g_test_add ("/ivr/flow-set/picks-up-changes", Fixture, NULL, fixture_set_up, test_reloads_changes,
              fixture_tear_down);
  g_test_add ("/ivr/flow-set/broken-change-keeps-old", Fixture, NULL, fixture_set_up,
              test_broken_change_keeps_old, fixture_tear_down);
  g_test_add ("/ivr/flow-set/removed-file-gone", Fixture, NULL, fixture_set_up,
              test_removed_file_gone, fixture_tear_down);
  return g_test_run ();
}
