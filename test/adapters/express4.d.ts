// `express4` is Express 4 installed under an alias; the Express 5 types cover what the tests use of it.
declare module 'express4' {
  import express from 'express';
  export default express;
}
