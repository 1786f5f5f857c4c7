/**
 * The collector's HTTPS API, dashboard and metrics on Jetty: request checks, sessions, rate limits, slow-client guard.
 */
package io.bootmedic.collector.http;
