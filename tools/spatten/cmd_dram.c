/* cmd_dram.c - `spatten dram` (placeholder until its issue lands). */
#include "cmds.h"

int cmd_dram(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    return cli_usage_error("'dram' is not implemented yet");
}
