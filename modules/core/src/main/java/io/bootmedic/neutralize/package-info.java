/**
 * Making a faulty file harmless in place, cluster by cluster, when the NTFS journal forbids metadata changes
 * (a crashed or hibernated Windows); an implementation of {@code remediation.Neutralizer}.
 */
package io.bootmedic.neutralize;
