/* document.c: the administrative document layout (Nghị định 30/2020). */
#include "document.h"

#include <stdlib.h>
#include <string.h>

static const char style[] =
	"<style>@page{size:A4;margin:20mm 15mm 20mm 30mm}"
	"body{font-family:'Times New Roman',Times,serif;font-size:14pt;line-height:1.35;max-width:165mm;margin:auto}"
	"table.head{width:100%;border-collapse:collapse}table.head td{vertical-align:top;text-align:center;width:50%}"
	".upper{text-transform:uppercase}.b{font-weight:bold}.i{font-style:italic}"
	".rule{display:block;width:40%;margin:2px auto;border-top:1px solid #000}"
	".kind{text-align:center;font-weight:bold;margin-top:18pt}.title{text-align:center;font-weight:bold}"
	"p{text-align:justify;text-indent:10mm;margin:3pt 0}h2{font-size:14pt;margin:8pt 0 3pt}"
	"table.foot{width:100%;margin-top:18pt}table.foot td{vertical-align:top;width:50%}"
	".recipients{font-size:11pt}.sign{text-align:center}.signer{margin-top:60pt;font-weight:bold}"
	"</style>";

void doc_place_date(struct buf *b, const char *place, const char *iso)
{
	buf_html(b, place && *place ? place : "……");
	if (iso && strlen(iso) >= 10) {
		int y = atoi(iso), m = atoi(iso + 5), d = atoi(iso + 8);
		buf_printf(b, ", ngày %s%d tháng %s%d năm %d", d < 10 ? "0" : "", d, m < 3 ? "0" : "", m, y);
	} else {
		buf_puts(b, ", ngày …… tháng …… năm ……");
	}
}

static void lines(struct buf *b, const char *text, const char *cls)
{
	const char *p = text;

	while (p && *p) {
		size_t n = strcspn(p, "\n");
		char *line = strndup(p, n);
		buf_printf(b, "<div class=\"%s\">", cls);
		buf_html(b, line);
		buf_puts(b, "</div>");
		free(line);
		p += n + (p[n] == '\n');
	}
}

void doc_begin(struct buf *b, const struct doc_meta *m)
{
	buf_puts(b, "<!DOCTYPE html><html lang=\"vi\"><head><meta charset=\"utf-8\"><title>");
	if (m->number)
		buf_html(b, m->number);
	else
		buf_html(b, m->title);
	buf_puts(b, "</title>");
	buf_puts(b, style);
	buf_puts(b, "</head><body><table class=\"head\"><tr><td>");
	if (m->parent_issuer) {
		buf_puts(b, "<div class=\"upper\">");
		buf_html(b, m->parent_issuer);
		buf_puts(b, "</div>");
	}
	buf_puts(b, "<div class=\"upper b\">");
	buf_html(b, m->issuer);
	buf_puts(b, "</div><span class=\"rule\"></span><div>Số: ");
	buf_html(b, m->number ? m->number : "      /");
	buf_puts(b, "</div></td><td><div class=\"b\">CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM</div>"
		 "<div class=\"b\">Độc lập - Tự do - Hạnh phúc</div><span class=\"rule\"></span><div class=\"i\">");
	doc_place_date(b, m->place, m->date);
	buf_puts(b, "</div></td></tr></table>");
	if (m->kind) {
		buf_puts(b, "<div class=\"kind\">");
		buf_html(b, m->kind);
		buf_puts(b, "</div>");
	}
	buf_puts(b, "<div class=\"title\">");
	buf_html(b, m->title);
	buf_puts(b, "</div><span class=\"rule\" style=\"width:25%\"></span>");
}

void doc_heading(struct buf *b, const char *text)
{
	buf_puts(b, "<h2>");
	buf_html(b, text);
	buf_puts(b, "</h2>");
}

void doc_para(struct buf *b, const char *text)
{
	buf_puts(b, "<p>");
	buf_html(b, text);
	buf_puts(b, "</p>");
}

void doc_end(struct buf *b, const struct doc_meta *m, const char *const *recipients, int n)
{
	int i;

	buf_puts(b, "<table class=\"foot\"><tr><td class=\"recipients\"><div class=\"b i\">Nơi nhận:</div>");
	for (i = 0; i < n; i++) {
		buf_puts(b, "<div>- ");
		buf_html(b, recipients[i]);
		buf_puts(b, ";</div>");
	}
	buf_puts(b, "<div>- Lưu: VT.</div></td><td class=\"sign\">");
	lines(b, m->signer_title ? m->signer_title : "", "b upper");
	buf_puts(b, "<div class=\"signer\">");
	buf_html(b, m->signer ? m->signer : "");
	buf_puts(b, "</div></td></tr></table></body></html>");
}
