/* cmd_config_ref.c - `spatten config-ref`: prints every config kind's field table as markdown. */
#include "cmds.h"

int cmd_config_ref(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    return cli_usage_error("'config-ref' is not implemented yet");
}
