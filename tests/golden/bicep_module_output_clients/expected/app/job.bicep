// passes the registry's name on to a module that looks the registry up and uses its login server
param containerRegistryName string

module reader 'reader.bicep' = {
  name: 'reader'
  params: {
    registryName: containerRegistryName
  }
}
