//! Meeting flows over EWS.
