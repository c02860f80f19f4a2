param restricted bool

module closed 'modules/closed.bicep' = {
  name: 'closed-d'
  params: {
    networkDefaultAction: restricted ? 'Deny' : 'Allow'
  }
}
