/*
 * A Kafka-protocol broker for tests: librdkafka's mock cluster behind a tiny launcher.
 *
 * Usage: kafka_mock BROKERS [TOPIC:PARTITIONS ...]
 *
 * Prints the bootstrap servers as the first stdout line, then reads commands from stdin, one a
 * line: "down" drops every broker connection and refuses new ones, "up" accepts them again (fault
 * injection for reconnect tests). Exits on SIGTERM, SIGINT or stdin EOF, so the cluster also dies
 * with a test process that crashed without stopping it.
 *
 * Topics are created here because the mock does not implement CreateTopics.
 */
#include <errno.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static volatile sig_atomic_t stopping = 0;

static void on_signal(int sig) {
  (void)sig;
  stopping = 1;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "Usage: %s BROKERS [TOPIC:PARTITIONS ...]\n", argv[0]);
    return 2;
  }
  int brokers = atoi(argv[1]);
  if (brokers < 1) {
    fprintf(stderr, "Cannot start mock cluster: broker count \"%s\" is not >= 1\n", argv[1]);
    return 2;
  }

  /* No SA_RESTART: a signal must interrupt the blocking read on stdin. */
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sigaction(SIGTERM, &sa, NULL);
  sigaction(SIGINT, &sa, NULL);

  char errstr[512];
  rd_kafka_conf_t *conf = rd_kafka_conf_new();
  /* The handle only hosts the cluster: hide its notice that it has no bootstrap.servers. */
  rd_kafka_conf_set(conf, "log_level", "4", errstr, sizeof errstr);
  rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
  if (rk == NULL) {
    fprintf(stderr, "Cannot create rdkafka handle: %s\n", errstr);
    return 1;
  }
  rd_kafka_mock_cluster_t *mc = rd_kafka_mock_cluster_new(rk, brokers);
  if (mc == NULL) {
    fprintf(stderr, "Cannot create mock cluster\n");
    rd_kafka_destroy(rk);
    return 1;
  }

  for (int i = 2; i < argc; i++) {
    /* The last colon separates the count, so topic names may contain colons. */
    char *colon = strrchr(argv[i], ':');
    int partitions = colon != NULL ? atoi(colon + 1) : 0;
    if (colon == NULL || partitions < 1) {
      fprintf(stderr, "Cannot create topic: argument \"%s\" is not TOPIC:PARTITIONS\n", argv[i]);
      rd_kafka_mock_cluster_destroy(mc);
      rd_kafka_destroy(rk);
      return 2;
    }
    *colon = '\0';
    rd_kafka_resp_err_t err = rd_kafka_mock_topic_create(mc, argv[i], partitions, 1);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      fprintf(stderr, "Cannot create topic \"%s\": %s\n", argv[i], rd_kafka_err2str(err));
      rd_kafka_mock_cluster_destroy(mc);
      rd_kafka_destroy(rk);
      return 1;
    }
  }

  printf("%s\n", rd_kafka_mock_cluster_bootstraps(mc));
  fflush(stdout);

  char line[256];
  while (!stopping) {
    if (fgets(line, sizeof line, stdin) == NULL) {
      if (errno == EINTR && !stopping) {
        clearerr(stdin);
        continue;
      }
      break;
    }
    if (line[0] == '\n') {
      continue;
    } else if (strncmp(line, "down", 4) == 0) {
      rd_kafka_mock_broker_set_down(mc, -1);
    } else if (strncmp(line, "up", 2) == 0) {
      rd_kafka_mock_broker_set_up(mc, -1);
    } else {
      fprintf(stderr, "Unknown command: %s", line);
      continue;
    }
    /* The acknowledgement lets the test know the state change has happened. */
    printf("ok\n");
    fflush(stdout);
  }

  rd_kafka_mock_cluster_destroy(mc);
  rd_kafka_destroy(rk);
  return 0;
}
