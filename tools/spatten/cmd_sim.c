/* cmd_sim.c - `spatten sim` (placeholder until its issue lands). */
#include "cmds.h"

int cmd_sim(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    return cli_usage_error("'sim' is not implemented yet");
}
