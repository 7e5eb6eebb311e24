/* fashion.h: the Fashion-MNIST example's data set, network and shared helpers. */
#ifndef FASHION_H
#define FASHION_H

#include <stddef.h>
#include <stdint.h>

#define FASHION_PIXELS 784
#define FASHION_CLASSES 10
#define FASHION_MAX_LAYERS 8

/* Images as standardised float32 rows, labels 0..9. */
typedef struct Dataset {
	int64_t n;
	float *x; /* n * FASHION_PIXELS */
	uint8_t *y;
} Dataset;

/* Read DIR/PREFIX-images-idx3-ubyte.gz and DIR/PREFIX-labels-idx1-ubyte.gz,
   keeping the first `limit` images (0: all).  Returns 0, or -1 with a
   message in err. */
int data_load(Dataset *d, const char *dir, const char *prefix, int64_t limit, char *err, size_t errlen);
/* Standardise pixels to zero mean, unit deviation with the given statistics. */
void data_standardise(Dataset *d, double mean, double sd);
void data_stats(const Dataset *d, double *mean, double *sd);
void data_free(Dataset *d);

/*
 * A ReLU MLP with a softmax cross-entropy head.  All weights live in one
 * array (layer by layer, row-major out x in) and all biases in another,
 * so they form two anneal groups: weight decay applies to the first only.
 */
typedef struct Mlp {
	int nlayer;
	int dim[FASHION_MAX_LAYERS + 1]; /* dim[0] = 784 ... dim[nlayer] = 10 */
	int64_t nweight, nbias;
	int64_t woff[FASHION_MAX_LAYERS], boff[FASHION_MAX_LAYERS];
	float *w, *b;   /* parameters */
	float *gw, *gb; /* gradients, written by mlp_train_batch */
	int batch;      /* the largest batch the scratch buffers hold */
	float *act[FASHION_MAX_LAYERS + 1]; /* act[0] = the batch's inputs; act[nlayer] = probabilities */
	float *delta[2];
} Mlp;

int mlp_init(Mlp *m, const int *dim, int nlayer, int batch, uint64_t seed);
void mlp_free(Mlp *m);
/* Forward and backward over rows idx[0..n) of d; gradients of the mean loss
   into gw and gb; returns the mean loss and the number of correct guesses. */
double mlp_train_batch(Mlp *m, const Dataset *d, const int64_t *idx, int n, int64_t *correct);
/* Softmax probabilities of every row of d under weights w and biases b (the
   model's own, a snapshot's or the SWA average's), added to acc (d->n x 10)
   when acc is not NULL; returns the number of rows classified correctly. */
int64_t mlp_predict(Mlp *m, const float *w, const float *b, const Dataset *d, double *acc);

/* Run the BLAS products on n threads (OpenBLAS; -1 if another BLAS, where
   only n = 1, meaning "as the library likes", is accepted).  OpenBLAS splits
   a product differently for every thread count, so the rounding, and with
   it a run, depends on n. */
int mlp_blas_threads(int n);

/* splitmix64: the example's only random source, so a seed fixes a run. */
uint64_t fashion_rand(uint64_t *state);

#endif
