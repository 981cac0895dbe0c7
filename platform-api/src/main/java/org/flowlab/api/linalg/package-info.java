/**
 * Small dense linear algebra on the host in double precision, for what DJL's public API lacks (it
 * has no LU, det or slogdet): the pivoted LU decomposition ({@link org.flowlab.api.linalg.Lu}) that
 * exact log-determinants, the invertible 1×1 convolution and the tests' brute-force checks share.
 */
package org.flowlab.api.linalg;
