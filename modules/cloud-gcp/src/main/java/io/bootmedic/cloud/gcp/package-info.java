/** The GCP route: Compute Engine through Google's Cloud Client Library for Compute (REST), and the worker run over ssh. */
package io.bootmedic.cloud.gcp;
