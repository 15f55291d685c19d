/* web.h: what bdgd serves outside /api/v1: the web UI's built files from
 * one fixed folder (BDG_WEB_ROOT), and /metrics in Prometheus text. */
#ifndef BDG_WEB_H
#define BDG_WEB_H

struct req;
struct server;

/* Serve r->path from the web root (GET only; index.html for "/"). Returns
 * 0 with the response set, or -1 with err (404, 405). */
int web_serve(struct req *r, struct server *s);

void metrics_render(struct req *r, struct server *s);

#endif
