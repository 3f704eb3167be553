/* cmd_trace.c - `spatten trace` (placeholder until its issue lands). */
#include "cmds.h"

int cmd_trace(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    return cli_usage_error("'trace' is not implemented yet");
}
