/* Made by tests/unit/blurhash-vectors.js with the npm package
 * blurhash 2.0.5: pattern, width, height, seed, components x and y, hash. */
{ 0, 32, 32, 1u, 4, 3, "L4HLxT.h7l:w~o-XksIC~DN5mCi." },
{ 0, 17, 23, 7u, 4, 3, "LAHB}Ku0kN*HyrIwTJLGS%NLO8T]" },
{ 0, 8, 8, 42u, 1, 1, "00IE-B" },
{ 0, 64, 40, 3u, 9, 9, "|2HV3h%e7?PL5k%hU3v=^ry,S%L0#uk@zzJVyFRGu;MgP2t~zWnd9$T1Eg?vq,kqp1F}O=r0IXxlGRTUQ.z}S_t0RMZ|RP~DP3n1skNbt1x.GS%f$.s:#Stft*tKjoAnL1_KB|:*NN-N%ExJtasH7_XxtwNPaQ?5{UORX6" },
{ 0, 5, 3, 11u, 3, 5, "ccE3#k*GGn.Ac7RiM_rp#j%y=Z-{M_rp#j" },
{ 1, 32, 24, 0u, 4, 3, "L2A^I600cIwG00?tofR,^0off7j@" },
{ 1, 100, 1, 0u, 9, 1, "832%CGD4pLVrkDaefkfRax" },
{ 1, 1, 100, 0u, 1, 9, "=38f+903^NIqs.WCj@jtWV" },
{ 2, 40, 30, 0u, 4, 3, "L98h2t^y0V0D9%N1$|-i0C9h^v~L" },
{ 2, 32, 32, 0u, 5, 4, "VC8#7^?C4_0WNKE9NK$|-ioc0VE8?9^vt3~N-i9h4_Rn" },
{ 2, 3, 3, 0u, 2, 2, "AZB3=@~S?G-," },
