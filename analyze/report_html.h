/* \summary: report.html: one self-contained page (verdict, evidence
 * table, SVG ladder diagrams) for the support bundle */
#ifndef MCPD_REPORT_HTML_H
#define MCPD_REPORT_HTML_H

#include <stdio.h>
#include <cjson/cJSON.h>
#include "flow.h"

/*
 * Write the page: the verdict and diagnosis of `report` (the bundle's
 * report.json: "diagnosis", "connections", and "probe" when present),
 * the evidence table of its connections, and one inline SVG ladder per
 * failed connection in flows[0..nflows) (from struct mcpd_flow steps).
 * No external asset: styles inline, no script. Returns 0, or -1 when
 * writing failed.
 */
int mcpd_html_report(FILE *out, const cJSON *report,
                     const struct mcpd_flow *flows, int nflows);

#endif
