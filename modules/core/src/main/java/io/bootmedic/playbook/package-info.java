/**
 * Playbooks: what the faulty file looks like (path glob, header, time window), their parsing, Ed25519 signatures and
 * glob matching in linear time (docs/design.md §2).
 */
package io.bootmedic.playbook;
