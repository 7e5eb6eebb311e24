/* adopt.c: anneal_adopt_counters -- one optimizer takes on another's counters across a change of layout (resharding). */
#include <string.h>

#include "anneal_int.h"

/*
 * A checkpoint saved by N processes, each over its shard, resumes on M:
 * each new shard's arrays are copied element by element from the old
 * shards' (anneal_state_array), and the scalars -- the same in every shard
 * -- from any one of them, here.  The fields are the checkpoint's
 * (ckpt_fields.def), so the two lists cannot drift apart: what a checkpoint
 * must match must match here too, except the number of groups, which is
 * the layout being changed.
 */
anneal_status anneal_adopt_counters(anneal_opt *dst, const anneal_opt *src)
{
	if (dst == NULL)
		return ANNEAL_ERR_INVALID;
	opt_ok(dst);
	if (src == NULL)
		return opt_fail(dst, ANNEAL_ERR_INVALID, "anneal_adopt_counters: src is NULL");
	if ((dst->desc == NULL) != (src->desc == NULL) ||
	    (dst->desc != NULL && dst->desc->digest != src->desc->digest))
		return opt_fail(dst, ANNEAL_ERR_INVALID, "anneal_adopt_counters: the two optimizers follow different schedules");
#define CK_SAME(T, name, member) \
	if ((T)dst->member != (T)src->member && strcmp(#name, "ngroup") != 0) \
		return opt_fail(dst, ANNEAL_ERR_INVALID, "anneal_adopt_counters: src has " #name " = %lld, dst %lld", \
		                (long long)src->member, (long long)dst->member);
#define CK_STATE(T, name, member)
#include "ckpt_fields.def"
#undef CK_SAME
#undef CK_STATE
	if (src->cfg.snapshot_keep > 0 && src->snap_n > 0)
		return opt_fail(dst, ANNEAL_ERR_UNSUPPORTED,
		                "anneal_adopt_counters: src keeps snapshots (%lld taken) in its own layout, which do not carry over",
		                (long long)src->snap_n);
#define CK_SAME(T, name, member)
#define CK_STATE(T, name, member) dst->member = src->member;
#include "ckpt_fields.def"
#undef CK_SAME
#undef CK_STATE
	if (dst->params != NULL)
		memcpy(dst->params, src->params, (size_t)dst->desc->nparam * sizeof *dst->params);
	dst->skipped = 0;
	return ANNEAL_OK;
}
