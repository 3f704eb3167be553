/* cmd_sweep.c - `spatten sweep` (placeholder until its issue lands). */
#include "cmds.h"

int cmd_sweep(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    return cli_usage_error("'sweep' is not implemented yet");
}
