/* train.h: the libanneal part both installed-library hosts share (tests/install.sh). */
#ifndef TRAIN_H
#define TRAIN_H

#include <anneal/schedule.h>

/* Six SGD steps on one parameter with a unit gradient under d, printing lr
   and the parameter at each step; returns 0, or 1 with a message on stderr. */
int train(const anneal_desc *d);

#endif
