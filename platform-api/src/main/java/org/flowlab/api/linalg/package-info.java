/**
 * Small dense linear algebra on the host in double precision, for what DJL's public API lacks (it
 * has no LU, det, slogdet or QR), over Apache Commons Math: the pivoted LU decomposition ({@link
 * org.flowlab.api.linalg.Lu}) that exact log-determinants, the invertible 1×1 convolution and the
 * tests' brute-force checks share, and Haar-random rotations ({@link
 * org.flowlab.api.linalg.RandomRotation}) by QR.
 */
package org.flowlab.api.linalg;
