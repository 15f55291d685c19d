/* document.h: printable HTML in the Vietnamese administrative document
 * layout of Nghị định 30/2020/NĐ-CP (A4, Times New Roman 13–14 pt; the
 * issuing body and the national motto side by side; number, place and
 * date; the kind of document and its title; body; "Nơi nhận" and the
 * signer block). Used by the plan and report documents. Every text is
 * HTML-escaped here, so callers pass raw values. */
#ifndef BDG_DOCUMENT_H
#define BDG_DOCUMENT_H

#include "buf.h"

struct doc_meta {
	const char *parent_issuer;  /* body above the issuer ("UBND TỈNH THỪA THIÊN HUẾ"), or NULL */
	const char *issuer;         /* issuing body ("SỞ Y TẾ") */
	const char *number;         /* "595/KH-SYT", or NULL: "Số:      /…" left to fill */
	const char *place;          /* "Thừa Thiên Huế" */
	const char *date;           /* ISO date, or NULL: "ngày … tháng … năm …" left to fill */
	const char *kind;           /* "KẾ HOẠCH", "BÁO CÁO", or NULL (an official letter) */
	const char *title;
	const char *signer_title;   /* lines separated by '\n' ("KT. GIÁM ĐỐC\nPHÓ GIÁM ĐỐC") */
	const char *signer;
};

/* "Thừa Thiên Huế, ngày 28 tháng 3 năm 2019" (day and month without a
 * leading zero for months 3..12 and days 10..31, as the decree writes
 * "ngày 05 tháng 02"). iso may be NULL. */
void doc_place_date(struct buf *b, const char *place, const char *iso);

/* The page head through the title. */
void doc_begin(struct buf *b, const struct doc_meta *m);
/* A section heading ("I. MỤC ĐÍCH, YÊU CẦU") and a paragraph. */
void doc_heading(struct buf *b, const char *text);
void doc_para(struct buf *b, const char *text);
/* Recipients ("Nơi nhận:" with "- name;" lines), the signer block, the end. */
void doc_end(struct buf *b, const struct doc_meta *m, const char *const *recipients, int n);

#endif
