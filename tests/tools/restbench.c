/* tests/tools/restbench.c: REST throughput over one keep-alive connection.
 *
 *   restbench URL TOKEN COUNT [TO_ID]
 *
 * Sends COUNT sendmessage requests (form-encoded, one at a time, one
 * connection reused by libcurl) to TO_ID (default 2) and prints
 * "requests N secs S rate R requests/s connections C". Every answer must
 * be HTTP 200. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

static size_t
discard(char *p, size_t size, size_t n, void *u)
{
	(void)p;
	(void)u;
	return size * n;
}

int
main(int argc, char **argv)
{
	char url[1024], hdr[16384], body[256];
	struct curl_slist *h = NULL;
	struct timespec t0, t1;
	long count, i, code, conns = 0;
	double secs;
	CURL *c;

	if (argc < 4) {
		fprintf(stderr, "usage: restbench URL TOKEN COUNT [TO_ID]\n");
		return 2;
	}
	count = atol(argv[3]);
	snprintf(url, sizeof url, "%s/api/chat/socket/sendmessage", argv[1]);
	snprintf(hdr, sizeof hdr, "token: %s", argv[2]);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	c = curl_easy_init();
	h = curl_slist_append(h, hdr);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < count; i++) {
		long n;

		snprintf(body, sizeof body, "sendto_id=%s&chatType=single&type=text&data=bench-%ld",
		    argc > 4 ? argv[4] : "2", i);
		curl_easy_setopt(c, CURLOPT_COPYPOSTFIELDS, body);
		if (curl_easy_perform(c) != CURLE_OK)
			return 1;
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
		curl_easy_getinfo(c, CURLINFO_NUM_CONNECTS, &n);
		conns += n;
		if (code != 200) {
			fprintf(stderr, "restbench: HTTP %ld at request %ld\n", code, i);
			return 1;
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	printf("requests %ld secs %.3f rate %.0f requests/s connections %ld\n", count, secs,
	    (double)count / secs, conns);
	curl_slist_free_all(h);
	curl_easy_cleanup(c);
	curl_global_cleanup();
	return 0;
}
