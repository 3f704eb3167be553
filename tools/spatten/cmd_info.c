/* cmd_info.c - `spatten info` (placeholder until its issue lands). */
#include "cmds.h"

int cmd_info(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    return cli_usage_error("'info' is not implemented yet");
}
