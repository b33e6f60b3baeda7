/* `omnicc run`: omniccd in the foreground with the demo site. */
#pragma once

int occ_cli_run (int argc, char **argv);
