/* aot_host.c: an AOT host built against the installed libanneal only, no LLVM (tests/install.sh). */
#include <stdio.h>

#include <anneal/version.h>

#include "install.h" /* annealc compile install.anneal --header install.h */
#include "train.h"

int main(void)
{
	printf("anneal %s\n", ANNEAL_VERSION_STRING);
	printf("schedule %s\n", warm_desc.name);
	return train(&warm_desc);
}
