/* cmd_run.c - `spatten run` (placeholder until its issue lands). */
#include "cmds.h"

int cmd_run(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    return cli_usage_error("'run' is not implemented yet");
}
