/*
** main.c: the sonde executable. Everything happens in sd_host_main; this is the only place
** that exits.
*/
#include "host.h"

#include <stdlib.h>

int main(int argc, char **argv)
{
    return sd_host_main(argc, argv);
}
