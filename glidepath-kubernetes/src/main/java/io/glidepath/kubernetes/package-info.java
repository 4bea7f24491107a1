/** The Platform seam on Kubernetes. */
package io.glidepath.kubernetes;
